import { ERROR_CODES } from '../errors.ts';
import { eventIdSchema, type FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

/**
 * Local only, never sent: the relay refused this browser's event `target`, for `code`
 * and `message`. The compensating event of a refused command (see docs/sagas.md): a
 * refused message shows failed with this reason, and what was done to it since (its
 * author's edits and reactions) shows undone until it is retried.
 */
export const deliveryRefusedV1 = defineEvent('delivery.refused', 1, {
  type: 'object',
  additionalProperties: false,
  required: ['target', 'code', 'message'],
  properties: {
    target: eventIdSchema,
    code: { type: 'string', enum: ERROR_CODES },
    message: { type: 'string', maxLength: 2000 },
  },
});
export type DeliveryRefused = FromSchema<typeof deliveryRefusedV1>;
