// A new embedded Postgres data dir starts from the installation's template (a created and
// migrated, otherwise empty database) once one was kept: the schema is all there and migrated,
// and nothing written to the database the template came from is.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { openPostgres } from '../../core/stores/postgres.js';
import { isFreshDataDir, templatePath, unpackTemplate } from '../../core/stores/pglite-template.js';
import { products } from '../../schemas/postgres/schema.js';

const migrations = join(dirname(fileURLToPath(import.meta.url)), '../../schemas/postgres/migrations');
const dirs: string[] = [];
const fresh = () => { const d = mkdtempSync(join(tmpdir(), 'trenddrop-pglite-template-')); dirs.push(d); return d; };
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('PGlite template', () => {
  it('gives a new data dir the migrated schema and none of the data', async () => {
    const logger = createLogger('silent');
    const first = await openPostgres({ databaseUrl: null, dataDir: fresh() }, logger);
    await first.migrate();
    await first.db.insert(products).values({ productId: 'only-in-first', title: 'x', category: 'Home', updatedAt: new Date() });
    await first.close();
    // Kept by the first (or by an earlier run, from the same migrations).
    expect(existsSync(templatePath(migrations))).toBe(true);

    const second = await openPostgres({ databaseUrl: null, dataDir: fresh() }, logger);
    try {
      const [{ n }] = await second.db.select({ n: count() }).from(products);
      expect(n).toBe(0);
      // Every migration is recorded, so migrate() has nothing left to do.
      const journal = JSON.parse(readFileSync(join(migrations, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] };
      const applied = await second.db.execute(sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`);
      expect((applied as unknown as { rows: { n: number }[] }).rows[0].n).toBe(journal.entries.length);
      await second.migrate();
      await second.db.insert(products).values({ productId: 'p', title: 'y', category: 'Home', updatedAt: new Date() });
      const [{ m }] = await second.db.select({ m: count() }).from(products);
      expect(m).toBe(1);
    } finally {
      await second.close();
    }
  });

  it('marks a data dir as holding a database only once the whole template is unpacked', async () => {
    // A ustar entry: name, octal size, type flag; the data padded to 512-byte blocks.
    const entry = (name: string, data: string) => {
      const h = Buffer.alloc(512);
      h.write(name, 0);
      h.write(data.length.toString(8).padStart(11, '0'), 124);
      h.write('0', 156);
      return Buffer.concat([h, Buffer.from(data), Buffer.alloc((512 - (data.length % 512)) % 512)]);
    };
    const dir = fresh();
    const tar = join(dir, 'template.tar');
    // PG_VERSION first, then an entry that fails the unpack.
    writeFileSync(tar, Buffer.concat([entry('PG_VERSION', '17\n'), entry('base/1/112', 'x'), entry('../outside', 'y'), Buffer.alloc(1024)]));
    const data = join(dir, 'postgres');
    await expect(unpackTemplate(tar, data)).rejects.toThrow(/outside the data dir/);
    expect(isFreshDataDir(data)).toBe(true);
    expect(readFileSync(join(data, 'base/1/112'), 'utf8')).toBe('x');

    writeFileSync(tar, Buffer.concat([entry('PG_VERSION', '17\n'), entry('base/1/112', 'x'), Buffer.alloc(1024)]));
    expect(await unpackTemplate(tar, data)).toBe(true);
    expect(readFileSync(join(data, 'PG_VERSION'), 'utf8')).toBe('17\n');
    expect(await unpackTemplate(join(dir, 'none.tar'), fresh())).toBe(false);
  });
});
