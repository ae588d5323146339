export { LiveDelivery } from './live-delivery';
export { roomOf } from './delivery-ports';
