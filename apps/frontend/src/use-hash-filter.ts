import { useSyncExternalStore } from 'react';
import { type Filter, filterOfHash } from './state/filter.ts';

const subscribe = (onChange: () => void): (() => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

/** The filter in the location hash (`#/`, `#/active`, `#/completed`); follows links and the back button. */
export function useHashFilter(): Filter {
  return useSyncExternalStore(subscribe, () => filterOfHash(window.location.hash));
}
