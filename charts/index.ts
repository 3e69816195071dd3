import { App } from 'cdk8s';
import { EnvironmentProfile } from '../src';
import { buildPlatform } from './platform';
import { development } from './development';
import { staging } from './staging';
import { production } from './production';
import { dr } from './dr';

/** Every environment, in promotion order. */
export const ENVIRONMENTS: readonly EnvironmentProfile[] = [development, staging, production, dr];

/** The whole platform: one chart per environment. */
export function buildApp(): App {
  const app = new App({ outdir: '.cdk8s.out' });
  for (const profile of ENVIRONMENTS) buildPlatform(app, profile);
  return app;
}
