import { synthesize } from './synth';
const s = synthesize();
console.log('synth ms', s.milliseconds);
