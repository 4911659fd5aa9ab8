import { use } from 'echarts/core';
import { MarkAreaComponent, MarkLineComponent } from 'echarts/components';

use([MarkLineComponent, MarkAreaComponent]);
