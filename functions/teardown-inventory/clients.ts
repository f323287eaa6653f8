/** The clients the teardown's first step reads with, built from the function's settings. */
import { everyCloudReaderClients } from '../commons/clients/every-cloud-reader';

export const teardownInventoryClients = () => everyCloudReaderClients('TeardownInventory');
