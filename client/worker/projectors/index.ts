import { membersProjector } from './members-projector.ts';
import { messagesProjector } from './messages-projector.ts';
import type { Projector } from './projector.ts';
import { readsProjector } from './reads-projector.ts';
import { roomsProjector } from './rooms-projector.ts';

export const PROJECTORS: readonly Projector[] = [
  messagesProjector,
  membersProjector,
  roomsProjector,
  readsProjector,
];
export type { Projector, ProjectedEvent } from './projector.ts';
