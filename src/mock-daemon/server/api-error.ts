/** An HTTP error answered as `{"message": ...}` (Docker's error shape), by the server or a handler. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}
