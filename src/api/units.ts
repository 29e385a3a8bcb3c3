/**
 * Branded units. A number that means milli-CPU cannot be passed where bytes or seconds are
 * expected without saying so, which is how unit mix-ups are caught at compile time.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Simulated time, in seconds since the start of the run. */
export type Seconds = Brand<number, 'Seconds'>;
/** CPU in thousandths of a core (Kubernetes "500m" = 500). */
export type MilliCPU = Brand<number, 'MilliCPU'>;
/** Memory and storage in bytes. */
export type Bytes = Brand<number, 'Bytes'>;
/** GPU in thousandths of a device (one whole nvidia.com/gpu = 1000), so GPU sharing fits later. */
export type MilliGPU = Brand<number, 'MilliGPU'>;

export const seconds = (n: number): Seconds => n as Seconds;
export const milliCPU = (n: number): MilliCPU => n as MilliCPU;
export const bytes = (n: number): Bytes => n as Bytes;
export const milliGPU = (n: number): MilliGPU => n as MilliGPU;

export const MILLI_PER_GPU = 1000;
