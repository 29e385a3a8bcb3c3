/** `orchsim data list`: what each dataset has in the data directory. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from './catalogue.js';
import { pullCommand } from './dir.js';
import { isIntact } from './pull.js';

export interface DatasetStatus {
  readonly name: string;
  readonly folder: string;
  /** ready: every file there and intact; missing: none there; partial: some; changed: a file there differs from its pinned SHA-256. */
  readonly state: 'ready' | 'missing' | 'partial' | 'changed';
  readonly files: number;
  readonly present: number;
  /** Files there whose size or SHA-256 is not the pinned one. */
  readonly changed: readonly string[];
  readonly bytes: number;
  /** Only a mirror has some of its files (--from needed). */
  readonly mirrorOnly: boolean;
  /** The command that fetches what is missing. */
  readonly pull: string;
  readonly description: string;
  readonly source: string;
  readonly terms: string;
}

export function datasetStatus(datasets: readonly Dataset[], dir: string): DatasetStatus[] {
  return datasets.map((d) => {
    let present = 0;
    const changed: string[] = [];
    for (const f of d.files) {
      const path = join(dir, ...f.path.split('/'));
      if (!existsSync(path)) continue;
      present++;
      if (!isIntact(path, f)) changed.push(f.path);
    }
    const mirrorOnly = d.files.some((f) => f.upstream === undefined);
    const state = changed.length > 0 ? 'changed' : present === d.files.length ? 'ready' : present === 0 ? 'missing' : 'partial';
    return {
      name: d.name,
      folder: d.folder,
      state,
      files: d.files.length,
      present,
      changed,
      bytes: d.files.reduce((s, f) => s + f.bytes, 0),
      mirrorOnly,
      pull: pullCommand(d.name, mirrorOnly),
      description: d.description,
      source: d.source,
      terms: d.terms,
    };
  });
}

/** A size as people read it: 2.6 MiB, 41 KiB. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
