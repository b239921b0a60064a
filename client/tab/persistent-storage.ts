/**
 * Asks the browser to keep Kafky's data when it runs short of space: without this, an
 * origin's IndexedDB is "best effort" and may be evicted, pending messages included.
 * Asked once the person has sent something, as Firefox shows a prompt for it and a
 * prompt on first load would come before any reason for it.
 */
let asked = false;

export async function askForPersistentStorage(): Promise<boolean | null> {
  if (asked || !navigator.storage?.persist) return null;
  asked = true;
  try {
    if (await navigator.storage.persisted()) return true;
    return await navigator.storage.persist();
  } catch (error) {
    console.warn('kafky: could not ask for persistent storage', error);
    return null;
  }
}
