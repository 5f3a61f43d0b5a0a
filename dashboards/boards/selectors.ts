/** Label matchers for the template variables, shared by every board. */
export const DEVICE = 'site=~"$site", hardware_class=~"$hardware_class", node=~"$node"';
export const SITE_CLASS = 'site=~"$site", hardware_class=~"$hardware_class"';
export const MODEL = 'model=~"$model", version=~"$version"';
export const CLASS_MODEL = `hardware_class=~"$hardware_class", ${MODEL}`;
export const INFERENCE = `${DEVICE}, ${MODEL}`;
export const RATE = "$__rate_interval";
