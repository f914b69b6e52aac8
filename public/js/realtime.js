// Live updates over Socket.IO. Pages work without it; this only refreshes figures in place.
document.addEventListener('DOMContentLoaded', () => {
  if (typeof window.io !== 'function') return;
  const socket = window.io({ transports: ['websocket', 'polling'] });

  // The unread badge in the header follows new notifications.
  const badge = document.querySelector('[data-unread-count]');
  socket.on('notification', (n) => {
    if (!badge) return;
    badge.textContent = String(n.unread);
    badge.classList.add('badge-count');
  });

  // Elements that show a public figure name the room they follow: data-live-room="project:<id>".
  const rooms = new Set(Array.from(document.querySelectorAll('[data-live-room]')).map((el) => el.getAttribute('data-live-room')));
  socket.on('connect', () => rooms.forEach((room) => socket.emit('watch', room)));
  socket.on('figures', (update) => {
    document.querySelectorAll(`[data-live-room="${update.room}"] [data-live-field]`).forEach((el) => {
      const field = el.getAttribute('data-live-field');
      if (field in update.values) {
        if (el.tagName === 'PROGRESS' || el.tagName === 'METER') el.value = update.values[field];
        else el.textContent = update.values[field];
      }
    });
  });
});
