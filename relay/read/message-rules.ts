import type { AuthorId, MessageRelation, MessageSent } from '../../shared/index.ts';

/**
 * A message as the room's events so far make it. The rules are the client's (see its
 * messages projector), written again here because the relay never imports client code:
 * only the author edits or deletes, nothing revives a deleted message, and a reaction
 * counts once per author and key, the latest of that author's events for the key
 * deciding whether it is on.
 */
export interface MessageState {
  readonly author: AuthorId;
  /** Empty once deleted. */
  readonly text: string;
  readonly edited: boolean;
  readonly deleted: boolean;
  /**
   * Per key, in the order keys were first used, who has it on, in the order they put it
   * on. A key everyone took off stays, empty, so it keeps its place if put on again.
   */
  readonly reactions: readonly (readonly [key: string, authors: readonly AuthorId[]])[];
}

export interface Reaction {
  key: string;
  authors: AuthorId[];
}

export function messageState(message: MessageSent): MessageState {
  return {
    author: message.author,
    text: message.payload.text,
    edited: false,
    deleted: false,
    reactions: [],
  };
}

/**
 * The message after one more relation, which comes later in the room's order than every
 * one applied before. Returns the same object when the relation changes nothing.
 */
export function applyRelation(state: MessageState, relation: MessageRelation): MessageState {
  if (state.deleted) return state;
  switch (relation.type) {
    case 'message.edited':
      if (relation.author !== state.author) return state;
      return { ...state, text: relation.payload.text, edited: true };
    case 'message.deleted':
      if (relation.author !== state.author) return state;
      return { ...state, text: '', edited: false, deleted: true, reactions: [] };
    case 'reaction.set':
      return react(state, relation);
  }
}

function react(state: MessageState, relation: Extract<MessageRelation, { type: 'reaction.set' }>) {
  const { key, on } = relation.payload;
  const index = state.reactions.findIndex(([k]) => k === key);
  const authors = index < 0 ? [] : state.reactions[index]![1];
  const has = authors.includes(relation.author);
  if (index >= 0 && has === on) return state;
  const next = on ? [...authors, relation.author] : authors.filter((a) => a !== relation.author);
  const reactions = [...state.reactions];
  if (index < 0) reactions.push([key, next]);
  else reactions[index] = [key, next];
  return { ...state, reactions };
}

/** The reactions to show: keys someone has on, in their order. */
export function visibleReactions(state: Pick<MessageState, 'reactions'>): Reaction[] {
  return state.reactions
    .filter(([, authors]) => authors.length > 0)
    .map(([key, authors]) => ({ key, authors: [...authors] }));
}
