export * from './accounts';
export * from './organizations';
export * from './audit';
export * from './children';
export * from './notifications';
export * from './money';
export * from './projects';
export * from './volunteers';
