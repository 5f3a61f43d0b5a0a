/** @edgefleet/deploy: Container image definitions (deploy/docker/*.Dockerfile), the images they build and a reader of their instructions. Everything other packages may import is exported here. */

export {
  type Copy,
  contextSources,
  copies,
  type Dockerfile,
  type Instruction,
  parseDockerfile,
  readDockerfile,
} from "./docker/dockerfile.js";
export { BROKER_IMAGE, IMAGES, type ImageDefinition, PROGRAM_IMAGES } from "./docker/images.js";
