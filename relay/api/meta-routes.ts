import { Hono } from 'hono';
import {
  CLIENT_MESSAGE_SCHEMAS,
  EVENT_REGISTRY,
  EVENT_SCHEMAS,
  PROTOCOL_VERSION,
  RELAY_MESSAGE_SCHEMAS,
  anyEventSchema,
  sequencedEventSchema,
} from '../../shared/index.ts';
import type { Hub } from '../sync/hub.ts';
import packageJson from '../../package.json' with { type: 'json' };

const byType = (schemas: readonly { properties: { type: { const: string } } }[]) =>
  Object.fromEntries(schemas.map((schema) => [schema.properties.type.const, schema]));

/** Built once: the registry is fixed for the life of the process. */
const SCHEMAS = {
  protocol: PROTOCOL_VERSION,
  envelope: anyEventSchema,
  sequencedEvent: sequencedEventSchema,
  events: EVENT_SCHEMAS.map((schema) => {
    const { type, v } = schema.properties;
    return {
      type: type.const,
      v: v.const,
      current: EVENT_REGISTRY.currentVersion(type.const) === v.const,
      schema,
    };
  }),
  client: byType(CLIENT_MESSAGE_SCHEMAS),
  relay: byType(RELAY_MESSAGE_SCHEMAS),
};

/** About the relay itself: its health, and the schemas it validates with. */
export function metaRoutes({ hub, startedAt }: { hub: Hub; startedAt: number }): Hono {
  const routes = new Hono();

  routes.get('/health', (c) =>
    c.json({
      status: 'ok',
      version: packageJson.version,
      protocol: PROTOCOL_VERSION,
      epoch: hub.log.epoch,
      uptime: Math.round((Date.now() - startedAt) / 1000),
      connections: hub.stats().connections,
    }),
  );

  routes.get('/schemas', (c) => c.json(SCHEMAS));

  return routes;
}
