import { Module } from "@nestjs/common";

import { ApiModule } from "./ApiModule";

/**
 * The application's root module: every generated controller comes in through ApiModule.
 */
@Module({
  imports: [ApiModule],
})
export class AppModule {}
