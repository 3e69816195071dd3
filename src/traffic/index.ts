// The Gateway API traffic layer: the environment's Gateway (listeners per claimed host, HTTP that only redirects) and
// the host-name rules it applies. Routes are emitted by the constructs that expose something (MicroserviceDeployment);
// the choice of layer is `profile.traffic` (TrafficLayer, in core).
export { EnvironmentGateway, GATEWAY_API_GROUP, GATEWAY_ISSUER_ANNOTATION, MAX_GATEWAY_LISTENERS } from './environment-gateway';
export type { GatewayParentRef, HostClaim } from './environment-gateway';
export { certificateSecretName, hostnameProblem, HTTP_REDIRECT_LISTENER, listenerName } from './hostnames';
