import { use } from 'echarts/core';
import { ScatterChart } from 'echarts/charts';
import { VisualMapComponent } from 'echarts/components';

use([ScatterChart, VisualMapComponent]);
