import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { checkInputFile } from '../../io/input/input-file.js';
import { prepareOutputFolder, prepareOutputPath } from '../../io/output/output-path.js';

/**
 * `broker --state`: the file is read at start and written at stop (and on autosave) through a
 * `.tmp` beside it renamed over it. Both are checked at start, so a read-only folder or a path
 * under /proc is exit 2 with the path named before any client connects, not a lost state at stop.
 */
export function checkStateFile(path: string): void {
  if (existsSync(path)) checkInputFile(path, 'broker state');
  prepareOutputPath(path);
  // The save makes `<path>.tmp` in the same folder: the folder itself must take new files.
  prepareOutputFolder(dirname(path));
}
