// Docker's `filters` query parameter, as the client sends it: the map form docker/cli's filters.ToJSON
// writes, {"key": {"value": true}}, which every engine version reads (the mock reads both forms,
// mock-daemon/api/filters.ts).

/** `filters` for a query string, e.g. {label: ['a=b']} -> '{"label":{"a=b":true}}' (not yet URL-encoded). */
export function encodeFilters(filters: Record<string, readonly string[]>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(filters).map(([key, values]) => [key, Object.fromEntries(values.map((v) => [v, true]))])))
}
