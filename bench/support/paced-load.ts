/**
 * A fixed offered load for latency at a given rate, with autocannon's `overallRate`, set up so the figure means
 * "latency when not saturated":
 * - autocannon paces per second: each connection sends its share of the second back to back, then waits for the
 *   next second. With 50 connections that is 50 requests in flight at every second's start, a saturated server
 *   for part of each second. 8 connections keep those bursts small.
 * - Its coordinated-omission correction assumes evenly spaced requests, which this pacing is not; it would add
 *   made-up samples to every burst, so it is turned off.
 */
import { load, type LoadFigures, type LoadOptions } from './report';

export const PACED_CONNECTIONS = 8;

export function pacedLoad(
  url: string,
  rate: number,
  seconds: number,
  headers: Record<string, string>,
  request: Pick<LoadOptions, 'method' | 'body' | 'pid'> = {},
): Promise<LoadFigures> {
  return load({ url, headers, seconds, connections: PACED_CONNECTIONS, overallRate: rate, ignoreCoordinatedOmission: true, ...request });
}
