// docker-compose.yml cannot run here (no Docker engine), so its structure is checked instead:
// every role is a service running a real CLI command with a configuration TrendDrop accepts,
// behind healthy Kafka (KRaft), ClickHouse and Postgres, with data on volumes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../core/config.js';

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true });
const services = compose.services as Record<string, any>;

describe('docker-compose.yml', () => {
  it('runs Kafka in KRaft mode, ClickHouse, Postgres and the three roles', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'clickhouse', 'ingest', 'kafka', 'migrate', 'postgres', 'processors']);
    expect(services.kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(services.kafka.environment.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe(1);
    for (const role of ['ingest', 'processors', 'api', 'migrate']) expect(services[role].command).toEqual([role]);
  });

  it('gives every role a configuration that TrendDrop accepts, on the distributed backends', () => {
    for (const role of ['ingest', 'processors', 'api']) {
      const config = loadConfig(services[role].environment);
      expect(config.kafkaBrokers).toEqual(['kafka:9092']);
      expect(config.clickhouseUrl).toMatch(/^http:\/\/.*clickhouse:8123\//);
      expect(config.databaseUrl).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    }
  });

  it('starts roles only after healthy stores and a finished migration', () => {
    for (const role of ['ingest', 'processors', 'api']) {
      const deps = services[role].depends_on;
      expect(deps).toMatchObject({ kafka: { condition: 'service_healthy' }, clickhouse: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' }, migrate: { condition: 'service_completed_successfully' } });
      expect(services[role].healthcheck.test.join(' ')).toContain('/api/v1/ready');
    }
    for (const store of ['kafka', 'clickhouse', 'postgres']) expect(services[store].healthcheck).toBeDefined();
  });

  it('keeps the stores on named volumes and publishes the API port', () => {
    for (const store of ['kafka', 'clickhouse', 'postgres']) {
      const [volume] = services[store].volumes[0].split(':');
      expect(Object.keys(compose.volumes)).toContain(volume);
    }
    expect(services.api.ports).toContain('3000:3000');
  });
});
