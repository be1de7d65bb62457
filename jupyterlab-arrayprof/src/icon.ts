import { LabIcon } from '@jupyterlab/ui-components';

import iconSvg from '../style/icon.svg';

export const icon = new LabIcon({ name: 'arrayprof:inspector', svgstr: iconSvg });
