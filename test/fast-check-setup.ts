import fc from 'fast-check';

/**
 * Property tests draw from a fixed seed so that a test run is the same on every machine and
 * every day: CI goes red for a change, not for the day's draw. A longer or fresh hunt is one
 * variable away: ORCHSIM_PROPERTY_SEED=random (fast-check's own seed, printed on failure with
 * the path to replay) or a number, with ORCHSIM_PROPERTY_SCALE to multiply the runs.
 */
const configured = process.env.ORCHSIM_PROPERTY_SEED;
if (configured !== 'random') {
  const seed = configured === undefined || configured === '' ? 20261206 : Number(configured);
  if (!Number.isInteger(seed)) throw new Error(`ORCHSIM_PROPERTY_SEED must be an integer or "random", got ${JSON.stringify(configured)}`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
}
