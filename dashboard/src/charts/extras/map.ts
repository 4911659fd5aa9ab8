import { use, registerMap } from 'echarts/core';
import { MapChart } from 'echarts/charts';
import { GeoComponent, VisualMapComponent } from 'echarts/components';
// Built by dashboard/scripts/build-world-map.mjs; features are keyed by ISO 3166-1 alpha-2.
import world from '../../assets/world.json';

use([MapChart, GeoComponent, VisualMapComponent]);
registerMap('world', world as unknown as Parameters<typeof registerMap>[1]);
