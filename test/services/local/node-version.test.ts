import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NEXT_SUPPORTED_MAJOR, OLDEST_NODE, unsupportedNode } from '../../../services/local/node-version.mjs';

describe('the supported Node.js versions', () => {
  it('when the Node is 24, 26, or 22.19 and later, then it is supported', () => {
    for (const version of ['v24.0.0', 'v24.22.3', 'v26.1.0', 'v22.19.0', 'v22.23.5']) expect(unsupportedNode(version), version).toBeUndefined();
  });

  it('when the Node is 20, 18, an early 22 or any 23, then the message names it and what to install', () => {
    for (const version of ['v20.20.2', 'v18.20.0', 'v22.18.9', 'v23.0.0', 'v23.11.1']) {
      expect(unsupportedNode(version)).toMatch(new RegExp(`Node\\.js ${version.replaceAll('.', '\\.')} is not supported: install Node\\.js 24 LTS`));
    }
  });

  it('when package.json is read, then its engines range starts at the same version', () => {
    const { engines } = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    expect(engines.node).toBe(`^${OLDEST_NODE.major}.${OLDEST_NODE.minor}.0 || >=${NEXT_SUPPORTED_MAJOR}.0.0`);
  });
});
