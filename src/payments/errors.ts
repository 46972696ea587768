/** Every failure of a payment source, with a message a server owner understands. Never carries a secret. */
export class PaymentSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The file cannot be read as a whole (not its rows: those are reported line by line). */
export class CsvFormatError extends PaymentSourceError {}

export class PaymentAuthError extends PaymentSourceError {}

export class PaymentHttpError extends PaymentSourceError {
  constructor(
    readonly provider: string,
    readonly status: number,
    readonly request: string,
    attempts: number,
    detail?: string,
  ) {
    super(`${provider} answered ${status} to ${request}${attempts > 1 ? ` after ${attempts} attempts` : ''}${detail ? `: ${detail}` : ''}`);
  }
}

export class PaymentTimeoutError extends PaymentSourceError {
  constructor(provider: string, request: string, timeoutMs: number) {
    super(`${provider} did not answer ${request} within ${timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`}`);
  }
}

export class PaymentNetworkError extends PaymentSourceError {
  constructor(provider: string, request: string, baseUrl: string, cause: string, attempts: number) {
    super(`Cannot reach ${provider} (${baseUrl}) for ${request}: ${cause}${attempts > 1 ? ` after ${attempts} attempts` : ''}`);
  }
}

/** A 2xx answer whose body is not what the provider documents. */
export class PaymentResponseError extends PaymentSourceError {
  constructor(provider: string, request: string, detail: string) {
    super(`${provider} sent an invalid answer to ${request}: ${detail}`);
  }
}
