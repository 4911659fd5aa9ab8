// drizzle-kit: `npx drizzle-kit generate --config schemas/postgres/drizzle.config.ts` writes a
// new numbered migration after schema.ts changes. Migrations are applied at start.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './schemas/postgres/schema.ts',
  out: './schemas/postgres/migrations',
});
