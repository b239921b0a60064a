import { eventIdSchema, type FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

/**
 * Local only, never sent: the person sent the refused event `target` again. Of the
 * `delivery.refused` and `delivery.retried` events of a target, the latest in the log
 * says whether it stands refused.
 */
export const deliveryRetriedV1 = defineEvent('delivery.retried', 1, {
  type: 'object',
  additionalProperties: false,
  required: ['target'],
  properties: { target: eventIdSchema },
});
export type DeliveryRetried = FromSchema<typeof deliveryRetriedV1>;
