// Waiting for something a forked agent or a server does, by polling: no test asserts how long it
// took (speed is measured in bench/), and a wait that never ends fails with what it waited for.

/** Resolves once `condition` holds; rejects after `timeoutMs`, naming `what`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
