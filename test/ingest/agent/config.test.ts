import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentConfigError, durationMs, loadAgentConfig, validateAgentConfig } from '../../../ingest/agent/config.js';

function problems(value: unknown) {
  try { validateAgentConfig(value); } catch (err) {
    expect(err).toBeInstanceOf(AgentConfigError);
    return (err as AgentConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

describe('agent config', () => {
  it('accepts every source type', () => {
    const cfg = validateAgentConfig({
      currency: { base: 'USD', rates: { EUR: 1.08 } },
      http: { timeoutMs: 5000 },
      sources: [
        { type: 'shopify', name: 'shop-a', store: 'https://shop.example', every: '6h', currency: 'EUR' },
        { type: 'jsonld', name: 'pages', urls: ['https://shop.example/p/1'], region: 'GB' },
        { type: 'feed', name: 'deals', url: 'https://deals.example/rss', watch: [{ productId: 'p-1', terms: ['neck fan'] }] },
        { type: 'file', name: 'trends', path: 'data/multiTimeline.csv', format: 'google-trends', terms: { 'neck fan': 'p-1' } },
        { type: 'file', name: 'tiktok', url: 'https://tools.example/export.csv', map: { Date: 'ts', Plays: 'views' } },
        { type: 'simulator', name: 'simulator', every: '1s' },
      ],
    });
    expect(cfg.sources).toHaveLength(6);
  });

  it('reports every problem with its path and reason', () => {
    expect(problems({
      sources: [
        { type: 'shopify', name: 'Shop A', store: 'ftp://x', extra: 1 },
        { type: 'feed', name: 'f', every: '5 minutes' },
        { type: 'file', name: 'f', map: { Plays: 'plays' } },
        { type: 'jsonld', name: 'j', urls: ['https://x'], region: 'XX', platform: 'myspace' },
        { type: 'simulator', name: 's', every: '10ms' },
        { type: 'carrier-pigeon', name: 'p' },
      ],
    })).toEqual([{ path: 'sources[5].type', reason: 'must be one of: shopify, jsonld, feed, file, simulator' }]);

    expect(problems({
      sources: [
        { type: 'shopify', name: 'Shop A', store: 'ftp://x', extra: 1 },
        { type: 'feed', name: 'f', every: '5 minutes' },
        { type: 'file', name: 'f', map: { Plays: 'plays' } },
        { type: 'jsonld', name: 'j', urls: ['https://x'], region: 'XX', platform: 'myspace' },
        { type: 'simulator', name: 's', every: '10ms' },
      ],
    })).toEqual([
      { path: 'sources[0].extra', reason: 'is not a known option' },
      { path: 'sources[0].name', reason: expect.stringMatching(/^must match pattern/) },
      { path: 'sources[0].store', reason: expect.stringMatching(/^must match pattern/) },
      { path: 'sources[1].url', reason: 'is required' },
      { path: 'sources[1].every', reason: expect.stringMatching(/^must match pattern/) },
      { path: 'sources[2].map.Plays', reason: expect.stringMatching(/^must be one of: eventId, ts, productId/) },
      { path: 'sources[2].name', reason: '"f" is used by another source' },
      { path: 'sources[2]', reason: 'needs exactly one of "path" and "url"' },
      { path: 'sources[3].platform', reason: expect.stringMatching(/^must be one of: tiktok/) },
      { path: 'sources[3].region', reason: '"XX" is not an ISO 3166-1 alpha-2 code' },
      { path: 'sources[4].every', reason: 'must be at least 1s' },
    ]);
  });

  it('reads the file, treats a missing one as no sources and names broken JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
    expect(await loadAgentConfig(join(dir, 'none.json'))).toEqual({ sources: [] });
    writeFileSync(join(dir, 'bad.json'), '{ "sources": [ }');
    await expect(loadAgentConfig(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json: 1 problem:\n {2}\(top\): is not valid JSON/);
  });

  it('reads durations', () => {
    expect([durationMs('30s'), durationMs('15m'), durationMs('6h'), durationMs('1d'), durationMs('250ms')]).toEqual([30_000, 900_000, 21_600_000, 86_400_000, 250]);
  });
});
