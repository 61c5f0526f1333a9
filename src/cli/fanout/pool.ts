/**
 * Runs `task(0..count-1)` with at most `limit` at once, starting them in order; resolves when all
 * have settled. Rejects with the first task failure (tasks report their own expected errors).
 */
export async function runPool(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({length: Math.min(limit, count)}, worker))
}
