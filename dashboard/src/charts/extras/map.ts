import { use } from 'echarts/core';
import { MapChart } from 'echarts/charts';
import { GeoComponent, VisualMapComponent } from 'echarts/components';

use([MapChart, GeoComponent, VisualMapComponent]);
