import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DEMO_PAGE_HTML } from './demo-page.html';

/**
 * A one-page demo frontend for the quick start. It holds no secret: the
 * token comes in the URL fragment printed by `npm start`.
 */
@ApiExcludeController()
@Controller()
export class DemoPageController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return DEMO_PAGE_HTML;
  }
}
