/** The one LabApi instance the actions use; set once at start-up by main.tsx. */
import { LabError } from '../core/errors';
import type { LabApi } from './lab-api';

let current: LabApi | null = null;

/** Install the engine implementation (the worker adapter in the shipped app). */
export function setLabApi(api: LabApi): void {
  current = api;
}

/** The installed LabApi; throws a LabError if start-up has not installed one. */
export function labApi(): LabApi {
  if (!current) throw new LabError('The lab engine has not started yet.', 'Reload the page; if this persists, check the browser console.');
  return current;
}
