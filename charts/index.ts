import { App } from 'cdk8s';
import { EnvironmentProfile } from '../src';
import { buildPlatform } from './platform';
import { PlatformSettings } from './platform-settings';
import { development, developmentPlatform } from './development';
import { staging, stagingPlatform } from './staging';
import { production, productionPlatform } from './production';
import { dr, drPlatform } from './dr';

/** How this repository runs synth (`npm run synth -- <args>`): named in messages and in the reports of dist/. */
export const SYNTH_COMMAND = 'npm run synth --';

/** Every environment's profile, in promotion order. */
export const ENVIRONMENTS: readonly EnvironmentProfile[] = [development, staging, production, dr];

/** The reference platform's settings per environment, in promotion order. */
export const PLATFORMS: readonly PlatformSettings[] = [developmentPlatform, stagingPlatform, productionPlatform, drPlatform];

/** The whole platform: one chart per environment, plus its Argo CD and Flux entry points (in `app`, or a new App). */
export function buildApp(app: App = new App({ outdir: '.cdk8s.out' })): App {
  const names = ENVIRONMENTS.map((e) => e.name);
  for (const settings of PLATFORMS) buildPlatform(app, settings, names);
  return app;
}
