import { transferHandlers, type TransferHandler } from 'comlink';
import { KafkyError } from '../../shared/index.ts';

type Thrown = { value: unknown };
type Serialized = { isError: boolean; value: Record<string, unknown> };

/**
 * Comlink sends only an error's message, name and stack to the tab; keep its code too,
 * so the UI can tell a full disk from a refused message.
 */
export function keepErrorCodes(): void {
  const base = transferHandlers.get('throw') as TransferHandler<Thrown, Serialized> | undefined;
  if (!base) return;
  transferHandlers.set('throw', {
    canHandle: (value): value is Thrown => base.canHandle(value),
    deserialize: (serialized) => base.deserialize(serialized),
    serialize(thrown: Thrown) {
      const [serialized, transferables] = base.serialize(thrown);
      if (thrown.value instanceof KafkyError) serialized.value.code = thrown.value.code;
      return [serialized, transferables];
    },
  } satisfies TransferHandler<Thrown, Serialized>);
}
