import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { validatePayload } from '@app/contracts';

/**
 * Validates `@Query()` and `@Param()` objects against their contract DTO with
 * the same rules as socket payloads: a VALIDATION_FAILED naming each field.
 */
@Injectable()
export class ContractValidationPipe implements PipeTransform {
  transform(value: unknown, { metatype, type }: ArgumentMetadata): unknown {
    if ((type !== 'query' && type !== 'param') || !metatype || metatype === Object) return value;
    return validatePayload(metatype as new () => object, { ...(value as object) });
  }
}
