/**
 * Stands in for `@nestjs/swagger` in the browser bundle. The contract classes
 * carry OpenAPI decorators (the admin API's document is generated from them);
 * in the page they are plain types and values, so the decorators do nothing.
 */
const noDecorator = (): PropertyDecorator => () => undefined;

export const ApiProperty = (_options?: unknown): PropertyDecorator => noDecorator();
export const ApiPropertyOptional = (_options?: unknown): PropertyDecorator => noDecorator();
export const getSchemaPath = (model: string | { name: string }): string => (typeof model === 'string' ? model : model.name);
