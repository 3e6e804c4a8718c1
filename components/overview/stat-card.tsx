import type { ReactNode } from "react";

interface Props {
  testId: string;
  label: string;
  value: ReactNode;
  sub?: ReactNode;
  alert?: boolean;
  badge?: ReactNode;
}

export function StatCard({ testId, label, value, sub, alert, badge }: Props) {
  return (
    <div className={`card${alert ? " alert" : ""}`} data-testid={testId}>
      <div className="card-label">
        <span>{label}</span>
        {badge}
      </div>
      <div className="card-value" data-testid={`${testId}-value`}>
        {value}
      </div>
      {sub ? <div className="card-sub">{sub}</div> : null}
    </div>
  );
}

export function StatCardSkeleton() {
  return (
    <div className="card">
      <div className="skeleton" style={{ width: "50%" }} />
      <div className="skeleton" style={{ width: "40%", height: 22, marginTop: 8 }} />
    </div>
  );
}
