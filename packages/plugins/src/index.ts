/** @vmlab/plugins: alternative policies and observers. */
export { StatsSubscriber, statsPlugin } from './StatsPlugin.ts';
