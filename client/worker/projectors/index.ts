import { membersProjector } from './members-projector.ts';
import { messagesProjector } from './messages-projector.ts';
import type { Projector } from './projector.ts';

export const PROJECTORS: readonly Projector[] = [messagesProjector, membersProjector];
export type { Projector, ProjectedEvent } from './projector.ts';
