/**
 * Rendered manifests as YAML: one file per component plus a kustomization.yaml listing them in
 * apply order (`kubectl apply -k DIR`), or one stream on stdout (`--out -`). The Secrets' file
 * holds private keys and is written 0600, like every key `squall certs init` writes.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RenderedFile } from './common.js';

const HEADER = '# Rendered by squall deploy render (docs/kubernetes.md); edit the inputs, not this file.\n';

/** `lineWidth: 0`: a long argument or PEM line stays on one line, as kubectl prints it. */
const asYaml = (value: unknown) => stringify(value, { lineWidth: 0 });

function fileText(file: RenderedFile): string {
  return HEADER + file.objects.map((o) => asYaml(o.toJSON())).join('---\n');
}

function kustomizationText(namespace: string, files: readonly RenderedFile[]): string {
  return (
    HEADER +
    asYaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace,
      resources: files.map((f) => f.file),
    })
  );
}

/** Every object of every file as one multi-document stream, in apply order. */
export function streamText(files: readonly RenderedFile[]): string {
  return files.map((f) => `# ${f.file}\n${fileText(f).replace(HEADER, '')}`).join('---\n');
}

/** Writes the files and kustomization.yaml into `dir`; returns the paths written. */
export function writeRendered(dir: string, namespace: string, files: readonly RenderedFile[]): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const file of files) {
    const path = join(dir, file.file);
    const mode = file.secret ? 0o600 : 0o644;
    // Tightened before the keys go in, not after: an old 0644 file never holds them.
    if (file.secret && existsSync(path)) chmodSync(path, mode);
    writeFileSync(path, fileText(file), { mode });
    chmodSync(path, mode); // a file that existed keeps its old mode otherwise
    written.push(path);
  }
  const kustomization = join(dir, 'kustomization.yaml');
  writeFileSync(kustomization, kustomizationText(namespace, files));
  written.push(kustomization);
  return written;
}
