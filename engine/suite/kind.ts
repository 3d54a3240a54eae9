/**
 * Which kind of Squall file a path holds, read from its top-level `kind:` before anything is
 * validated, so `squall run` and `squall validate` take suites and experiments alike. Anything
 * that is not clearly a Suite goes to the experiment loader, whose errors explain the file.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, parseDocument } from 'yaml';

export type FileKind = 'Suite' | 'Experiment';

/** `Suite` when the text's top-level mapping says `kind: Suite`; otherwise `Experiment`. */
export function kindOfText(text: string): FileKind {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return 'Experiment';
  const kind: unknown = doc.contents.get('kind', true);
  return isScalar(kind) && kind.value === 'Suite' ? 'Suite' : 'Experiment';
}

/** As `kindOfText`, for a file; an unreadable file is left to the experiment loader to report. */
export async function kindOfFile(path: string): Promise<FileKind> {
  try {
    return kindOfText(await readFile(path, 'utf8'));
  } catch {
    return 'Experiment';
  }
}
