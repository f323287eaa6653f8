/** The clients the check before start uses, built from the function's settings. */
import { everyCloudReaderClients } from '../commons/clients/every-cloud-reader';

export const validateRequestClients = () => everyCloudReaderClients('ValidateRequest');
