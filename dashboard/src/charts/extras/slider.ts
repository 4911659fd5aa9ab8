import { use } from 'echarts/core';
import { DataZoomSliderComponent } from 'echarts/components';

use([DataZoomSliderComponent]);
