// The one error shape every failure answers with: { error: { code, message, details } }.
export interface ErrorDetail { index?: number; field: string; reason: string }
export interface ErrorBody { error: { code: string; message: string; details: ErrorDetail[] } }

export function errorBody(code: string, message: string, details: ErrorDetail[] = []): ErrorBody {
  return { error: { code, message, details } };
}
