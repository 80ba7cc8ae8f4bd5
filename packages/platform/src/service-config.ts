import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { assertAuthConfigured, commonConfig, loadConfig, ConfigError, type CommonConfig } from './config';
import { LOCAL_DEV_SECRET } from './auth';

export type ServiceConfig<P extends TProperties> = Readonly<
  CommonConfig & { PORT: number } & Static<TObject<P>>
>;

/** The config of one service: the common variables plus its own, validated at start. */
export function loadServiceConfig<P extends TProperties>(
  service: string,
  defaultPort: number,
  own: P,
  env: Record<string, string | undefined> = process.env,
) {
  const schema = Type.Object({
    ...commonConfig,
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort }),
    ...own,
  });
  const cfg = loadConfig(service, schema as TObject, env) as unknown as ServiceConfig<P>;
  assertAuthConfigured(service, cfg);
  if (cfg.NODE_ENV === 'production' && cfg.AUTH_JWT_SECRET === LOCAL_DEV_SECRET) {
    throw new ConfigError(service, [
      'AUTH_JWT_SECRET is the local development secret; set a real one in production',
    ]);
  }
  return cfg;
}
