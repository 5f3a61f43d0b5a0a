/** Model names and versions are URL path segments, and label values in the runtime's metrics. */
export const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const SEGMENT_RULE = 'be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit';
