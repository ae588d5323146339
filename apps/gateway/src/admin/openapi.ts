import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** OpenAPI document at /docs-json, Swagger UI at /docs, built from the controllers and the contract DTOs. */
export function setUpOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('agent-stream gateway')
    .setDescription('Operator HTTP API (docs/protocol.md §3). Admin routes need `Authorization: Bearer <JWT with role admin>`.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: 'docs-json',
    // The token typed into Authorize survives a page reload.
    swaggerOptions: { persistAuthorization: true },
  });
}
