// d3-geo and topojson-client as ES module exports. web/vendor/ holds their UMD builds (scripts/build-web.sh),
// which attach to globalThis.d3 and globalThis.topojson; d3-geo needs d3-array there first, and module imports
// run in the order written.
import '../vendor/d3-array.min.js';
import '../vendor/d3-geo.min.js';
import '../vendor/topojson-client.min.js';

export const { geoNaturalEarth1, geoPath } = globalThis.d3;
export const { feature } = globalThis.topojson;
