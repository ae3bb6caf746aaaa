import { NestFactory } from "@nestjs/core";

import { AppModule } from "./AppModule";
import { MyGlobal } from "./MyGlobal";

/**
 * Starts the HTTP server on `HOST`:`PORT` (127.0.0.1:3000 when unset).
 */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  await app.listen(MyGlobal.port(), MyGlobal.host());
}

void bootstrap();
