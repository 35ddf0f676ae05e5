import { Header } from './Header';
import { InputPanel } from './InputPanel';
import { ResultPanel } from './ResultPanel';
import { StatusBar } from './StatusBar';

export function App() {
  return (
    <div className="app">
      <Header />
      <StatusBar />
      <main className="panels">
        <InputPanel />
        <ResultPanel />
      </main>
    </div>
  );
}
